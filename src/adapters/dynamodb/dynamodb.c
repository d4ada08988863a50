/* DynamoDB adapter: registration (routes and hooks). See dynamodb.md. */
#include "../../lib/adapter.h"

enum ddb_route { D_TABLE_META, D_TABLE_GEN, D_ITEM, D_GSI };

static const struct ekv_route_def ddb_routes[] = {
	{ "!ddb|meta|table|", D_TABLE_META, 0 },
	{ "!ddb|meta|gen|", D_TABLE_GEN, 0 },
	{ "!ddb|item|", D_ITEM, 0 },
	{ "!ddb|gsi|", D_GSI, 0 },
};

const struct ekv_adapter_ops ekv_adapter_dynamodb = {
	.name = "dynamodb",
	.routes = ddb_routes,
	.n_routes = sizeof(ddb_routes) / sizeof(ddb_routes[0]),
};
