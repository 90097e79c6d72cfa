#!/usr/bin/env node
// Runs the TypeScript entry through tsx so `sortie` works straight from a checkout.
import { register } from 'tsx/esm/api'
register()
await import('../src/main.ts')
