import { sql, type Kysely } from 'kysely'

// Account administration needs the `account:manage` permission (modules/accounts/permissions.ts).
// Keys issued by the account's owner profile (the first-start key and `sortie keys create` keys)
// administer their account; every other key keeps what it had: `*` inside its workspaces.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    UPDATE api_keys k
    SET spec = jsonb_set(k.spec, '{permissions}', '["*", "account:manage"]'::jsonb)
    FROM accounts a
    WHERE a.id = k.account_id AND k.profile_id = a.profile_id
  `.execute(db)
  await sql`
    UPDATE api_keys
    SET spec = jsonb_set(spec, '{permissions}', '["*"]'::jsonb)
    WHERE NOT (spec ? 'permissions')
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    UPDATE api_keys SET spec = jsonb_set(spec, '{permissions}', '["*"]'::jsonb)
  `.execute(db)
}
