import assert from 'node:assert/strict'
import { test } from 'node:test'
import { queryPairs, queryString } from './query-template.ts'

test('a query-string template splits into pairs before rendering; a map is read as pairs', () => {
  assert.deepEqual(queryPairs('units=metric&city={{ city }}'), [
    ['units', 'metric'],
    ['city', '{{ city }}'],
  ])
  assert.deepEqual(queryPairs('?a%20b=x+y&flag&=nameless'), [
    ['a b', 'x y'],
    ['flag', ''],
  ])
  assert.deepEqual(queryPairs({ q: '{{ term }}' }), [['q', '{{ term }}']])
  assert.deepEqual(queryPairs(undefined), [])
})

test('responses show the string form, whichever form was stored', () => {
  assert.equal(queryString('units=metric&city={{ city }}'), 'units=metric&city={{ city }}')
  assert.equal(queryString({ units: 'metric', 'a b': '{{ x }}' }), 'units=metric&a%20b={{ x }}')
  assert.equal(queryString(undefined), '')
})
