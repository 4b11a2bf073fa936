#!/usr/bin/env node
// Former entry point of `neighwatch`, kept for links made before it became bin/neighwatch.cjs
// (e.g. an npx cache of this checkout still pointing here). It only forwards.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./neighwatch.cjs');
