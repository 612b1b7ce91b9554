"""The admin API: GraphQL (strawberry) at `/graphql` for reps, admins and support.

`schema` builds the schema, `endpoint` serves it, `context` authenticates each
request, `errors` turns erplink's errors into stable `extensions.code` values.
"""
