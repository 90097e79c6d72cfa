/**
 * An HTTP tool's `config.http.query`: the seed-era clients type it as a query-string template
 * (`"units=metric&city={{ city }}"`), and Sortie also takes a map of name -> value template. Both
 * read as (name, value template) pairs, split before rendering so a rendered argument is always
 * URL-encoded as one value; responses show the string form (docs/api.md section 3.4).
 */
export type QueryConfig = string | Record<string, string>

const decode = (text: string) => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/** The query's (name, value template) pairs, in order; empty names are skipped. */
export function queryPairs(query: QueryConfig | undefined): [string, string][] {
  if (query === undefined) return []
  if (typeof query !== 'string') return Object.entries(query)
  return query
    .replace(/^\?/, '')
    .split('&')
    .filter(Boolean)
    .map((part): [string, string] => {
      const eq = part.indexOf('=')
      return eq === -1
        ? [decode(part), '']
        : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))]
    })
    .filter(([name]) => name !== '')
}

/** The string form the API answers with, whichever form was stored. */
export function queryString(query: QueryConfig | undefined): string {
  if (query === undefined) return ''
  if (typeof query === 'string') return query
  return Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${value}`)
    .join('&')
}
