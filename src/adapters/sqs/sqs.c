/* SQS adapter: registration (routes and hooks). See sqs.md and sqs_internal.h. */
#include "sqs_internal.h"

static const struct ekv_route_def sqs_routes[] = {
	{ SQS_PFX_QUEUE_TOMB, Q_QUEUE_TOMBSTONE, 0 },
	{ SQS_PFX_QUEUE_META, Q_QUEUE_META, 0 },
	{ SQS_PFX_QUEUE_GEN, Q_QUEUE_GEN, 0 },
	{ SQS_PFX_QUEUE_SEQ, Q_QUEUE_SEQ, 0 },
	{ SQS_PFX_MSG_BYAGE, Q_MSG_BYAGE, 0 },
	{ SQS_PFX_MSG_DEDUP, Q_MSG_DEDUP, 0 },
	{ SQS_PFX_MSG_GROUP, Q_MSG_GROUP, 0 },
	{ SQS_PFX_MSG_DATA, Q_MSG_DATA, 0 },
	{ SQS_PFX_MSG_VIS, Q_MSG_VIS, 0 },
};

const struct ekv_adapter_ops ekv_adapter_sqs = {
	.name = "sqs",
	.routes = sqs_routes,
	.n_routes = sizeof(sqs_routes) / sizeof(sqs_routes[0]),
	.decode_begin = sqs_decode_begin,
	.decode_record = sqs_decode_record,
	.decode_finish = sqs_decode_finish,
	.decode_free = sqs_decode_free,
	.encode = sqs_encode,
};
