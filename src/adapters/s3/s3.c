/* S3 adapter: registration (routes and hooks). See docs/adapters/s3.md. */
#include "s3_decode.h"

static const struct ekv_route_def s3_routes[] = {
	{ P_BUCKET_META, S_BUCKET_META, 0 },
	{ P_UPLOAD_META, S_UPLOAD_META, 0 },
	{ P_UPLOAD_PART, S_UPLOAD_PART, 0 },
	/* container.md §3.2 #7: always internal, even with S3 enabled */
	{ P_BUCKET_GEN, S_BUCKET_GEN, EKV_ROUTE_INTERNAL },
	{ P_CHUNKBLOB, S_CHUNKBLOB, 0 },
	{ P_OBJ_HEAD, S_OBJ_HEAD, 0 },
	{ P_CHUNKREF, S_CHUNKREF, 0 },
	{ P_BLOB, S_BLOB, 0 },
};

const struct ekv_adapter_ops ekv_adapter_s3 = {
	.name = "s3",
	.routes = s3_routes,
	.n_routes = sizeof(s3_routes) / sizeof(s3_routes[0]),
	.decode_begin = s3_decode_begin,
	.decode_record = s3_decode_record,
	.decode_finish = s3_decode_finish,
	.decode_free = s3_decode_free,
	.encode = s3_encode,
};
