/* SQS adapter: registration (routes and hooks). See sqs.md. */
#include "../../lib/adapter.h"

enum sqs_route {
	Q_QUEUE_TOMBSTONE, Q_QUEUE_META, Q_QUEUE_GEN, Q_QUEUE_SEQ, Q_MSG_BYAGE, Q_MSG_DEDUP,
	Q_MSG_GROUP, Q_MSG_DATA, Q_MSG_VIS,
};

static const struct ekv_route_def sqs_routes[] = {
	{ "!sqs|queue|tombstone|", Q_QUEUE_TOMBSTONE, 0 },
	{ "!sqs|queue|meta|", Q_QUEUE_META, 0 },
	{ "!sqs|queue|gen|", Q_QUEUE_GEN, 0 },
	{ "!sqs|queue|seq|", Q_QUEUE_SEQ, 0 },
	{ "!sqs|msg|byage|", Q_MSG_BYAGE, 0 },
	{ "!sqs|msg|dedup|", Q_MSG_DEDUP, 0 },
	{ "!sqs|msg|group|", Q_MSG_GROUP, 0 },
	{ "!sqs|msg|data|", Q_MSG_DATA, 0 },
	{ "!sqs|msg|vis|", Q_MSG_VIS, 0 },
};

const struct ekv_adapter_ops ekv_adapter_sqs = {
	.name = "sqs",
	.routes = sqs_routes,
	.n_routes = sizeof(sqs_routes) / sizeof(sqs_routes[0]),
};
