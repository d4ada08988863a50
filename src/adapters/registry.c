/* The one list of adapters, in registry order (decode finalize order and
 * MANIFEST order: dynamodb, s3, redis, sqs), and the prefixes no adapter
 * owns (always counted as internal, container.md §3.2). */
#include "../lib/adapter.h"

extern const struct ekv_adapter_ops ekv_adapter_dynamodb;
extern const struct ekv_adapter_ops ekv_adapter_s3;
extern const struct ekv_adapter_ops ekv_adapter_redis;
extern const struct ekv_adapter_ops ekv_adapter_sqs;

const struct ekv_adapter_ops *const ekv_adapters[EKV_ADAPTER_COUNT] = {
	[EKV_ADAPTER_DYNAMODB] = &ekv_adapter_dynamodb,
	[EKV_ADAPTER_S3] = &ekv_adapter_s3,
	[EKV_ADAPTER_REDIS] = &ekv_adapter_redis,
	[EKV_ADAPTER_SQS] = &ekv_adapter_sqs,
};

const struct ekv_route_def ekv_core_routes[] = {
	{ "!s3|gc|upload|", 0, EKV_ROUTE_INTERNAL },
	{ "!encryption|", 0, EKV_ROUTE_INTERNAL },
	{ "!s3route|", 0, EKV_ROUTE_INTERNAL },
	{ "!dist|", 0, EKV_ROUTE_INTERNAL },
	{ "!txn|", 0, EKV_ROUTE_INTERNAL },
};
const size_t ekv_core_routes_count = sizeof(ekv_core_routes) / sizeof(ekv_core_routes[0]);
