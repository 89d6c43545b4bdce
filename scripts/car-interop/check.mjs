// Reads a CARv1 archive written by `ferry export` with the IPLD project's JavaScript implementation and checks
// it: one root, the first block; every block's CID is CIDv1 sha2-256 of its bytes; the index block is dag-cbor
// in canonical form (decoding then encoding it gives the same bytes); every live entry links a raw block whose
// digest is the entry's hash. Then writes an archive of its own (`write OUT`) for `ferry import` to read.
// Usage: node check.mjs read FILE  |  node check.mjs write OUT
import { CarReader, CarWriter } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { CID } from 'multiformats/cid'
import fs from 'node:fs'

const hex = (u8) => Buffer.from(u8).toString('hex')
function check(cond, what) {
  if (!cond) {
    console.error('FAIL: ' + what)
    process.exit(1)
  }
}

async function read(file) {
  const reader = await CarReader.fromBytes(fs.readFileSync(file))
  check(reader.version === 1, 'CAR version 1')
  const roots = await reader.getRoots()
  check(roots.length === 1, 'exactly one root')
  let first = null
  let index = null
  const blocks = new Map()
  for await (const { cid, bytes } of reader.blocks()) {
    first = first ?? cid
    check(cid.version === 1, `CIDv1: ${cid}`)
    check(cid.multihash.code === sha256.code, `sha2-256 multihash: ${cid}`)
    const digest = await sha256.digest(bytes)
    check(hex(digest.digest) === hex(cid.multihash.digest), `block ${cid} hashes to its CID`)
    if (cid.code === dagCbor.code) {
      index = dagCbor.decode(bytes)
      check(hex(dagCbor.encode(index)) === hex(bytes), 'the index block is canonical dag-cbor')
    } else {
      check(cid.code === raw.code, `an asset block is raw: ${cid}`)
      blocks.set(hex(cid.multihash.digest), bytes.length)
    }
  }
  check(first !== null && roots[0].equals(first), 'the root is the first block')
  check(index !== null && typeof index.library?.id === 'string', 'an index naming its library')
  let live = 0
  let tombstones = 0
  for (const e of index.assets) {
    if (e.deleted) {
      check(e.cid === null, `a tombstone has no block: ${e.hash}`)
      tombstones++
    } else {
      const cid = CID.asCID(e.cid)
      check(cid !== null && cid.code === raw.code, `a live entry links a raw CID: ${e.hash}`)
      check(hex(cid.multihash.digest) === e.hash, `the link is the entry's hash: ${e.hash}`)
      check(blocks.get(e.hash) === e.size, `the block of ${e.hash} is there with its size`)
      live++
    }
  }
  console.log(JSON.stringify({ library: index.library.id, revision: index.revision, live, tombstones, blocks: blocks.size }))
}

async function write(out) {
  const now = Date.now()
  const files = [['made-by-js.txt', 'text/plain', 'written by @ipld/car\n'], ['also-js.bin', 'application/octet-stream', 'x'.repeat(70000)]]
  const entries = []
  const blocks = []
  for (const [name, mime, text] of files) {
    const bytes = new TextEncoder().encode(text)
    const cid = CID.create(1, raw.code, await sha256.digest(bytes))
    blocks.push({ cid, bytes })
    entries.push({ cid, hash: hex(cid.multihash.digest), size: bytes.length, tags: ['interop'], user: null, deleted: false,
      file_name: name, mime_type: mime, created_at: now, application: 'car-interop' })
  }
  const indexBytes = dagCbor.encode({ since: 0, assets: entries, library: { id: 'js-made', name: 'js' }, revision: entries.length })
  const indexCid = CID.create(1, dagCbor.code, await sha256.digest(indexBytes))
  const { writer, out: chunks } = CarWriter.create([indexCid])
  const done = (async () => {
    const parts = []
    for await (const c of chunks) parts.push(c)
    fs.writeFileSync(out, Buffer.concat(parts))
  })()
  await writer.put({ cid: indexCid, bytes: indexBytes })
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await done
  console.log(entries.map((e) => `${e.hash} ${e.file_name} ${e.mime_type} ${e.size}`).join('\n'))
}

const [mode, file] = process.argv.slice(2)
if (mode === 'read') await read(file)
else if (mode === 'write') await write(file)
else { console.error('usage: node check.mjs read FILE | write OUT'); process.exit(2) }
