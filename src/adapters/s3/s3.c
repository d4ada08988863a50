/* S3 adapter: registration (routes and hooks). See s3.md. */
#include "../../lib/adapter.h"

enum s3_route {
	S_BUCKET_META, S_UPLOAD_META, S_UPLOAD_PART, S_BUCKET_GEN, S_CHUNKBLOB, S_OBJ_HEAD,
	S_CHUNKREF, S_BLOB,
};

static const struct ekv_route_def s3_routes[] = {
	{ "!s3|bucket|meta|", S_BUCKET_META, 0 },
	{ "!s3|upload|meta|", S_UPLOAD_META, 0 },
	{ "!s3|upload|part|", S_UPLOAD_PART, 0 },
	/* container.md §3.2 #7: always internal, even with S3 enabled */
	{ "!s3|bucket|gen|", S_BUCKET_GEN, EKV_ROUTE_INTERNAL },
	{ "!s3|chunkblob|", S_CHUNKBLOB, 0 },
	{ "!s3|obj|head|", S_OBJ_HEAD, 0 },
	{ "!s3|chunkref|", S_CHUNKREF, 0 },
	{ "!s3|blob|", S_BLOB, 0 },
};

const struct ekv_adapter_ops ekv_adapter_s3 = {
	.name = "s3",
	.routes = s3_routes,
	.n_routes = sizeof(s3_routes) / sizeof(s3_routes[0]),
};
