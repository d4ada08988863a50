/* DynamoDB adapter: registration (routes and hooks). See dynamodb.md and
 * ddb_internal.h for the file map. */
#include "ddb_internal.h"

static const struct ekv_route_def ddb_routes[] = {
	{ DDB_PREFIX_TABLE, DDB_ROUTE_TABLE, 0 },
	{ DDB_PREFIX_GEN, DDB_ROUTE_GEN, 0 },
	{ DDB_PREFIX_ITEM, DDB_ROUTE_ITEM, 0 },
	{ DDB_PREFIX_GSI, DDB_ROUTE_GSI, 0 },
};

const struct ekv_adapter_ops ekv_adapter_dynamodb = {
	.name = "dynamodb",
	.routes = ddb_routes,
	.n_routes = sizeof(ddb_routes) / sizeof(ddb_routes[0]),
	.decode_begin = ddb_decode_begin,
	.decode_record = ddb_decode_record,
	.decode_finish = ddb_decode_finish,
	.decode_free = ddb_decode_free,
	.encode = ddb_encode,
};
