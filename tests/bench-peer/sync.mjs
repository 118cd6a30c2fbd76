// The automerge-repo peer of liaison-bench (figure 8): two repos, each in its own process with
// its own NodeFS storage, sync N small documents over WebSocket on 127.0.0.1, through a TCP
// proxy that counts the bytes both ways.
//
//   node sync.mjs --n N --dir DIR [--timeout SECONDS]
//
// Prints one JSON line: docs, the full sync's time (every document found, then flushed to
// disk) and bytes, the reconnect's (same storage, nothing changed: until traffic stops for
// 3 s) time and bytes, and each side's peak memory.
import { spawn } from "node:child_process"
import fs from "node:fs"
import net from "node:net"
import path from "node:path"
import { createInterface } from "node:readline"

import { Repo } from "@automerge/automerge-repo"
import {
  WebSocketClientAdapter,
  WebSocketServerAdapter,
} from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import { WebSocketServer } from "ws"

// automerge-repo rejects some of its own internal promises under load (a handle not ready
// within 60 s); they are counted in the result rather than ending the run.
let internalErrors = 0
process.on("unhandledRejection", (e) => {
  internalErrors++
  if (internalErrors <= 3) console.error(`automerge-repo: ${e}`)
})

const COUNTRIES = ["TN", "BI", "TR", "FR", "GE", "VE", "CO", "GM", "KE", "NG", "ZA", "EG"]
const QUIET_MS = 3000
const CONCURRENCY = 64

function arg(name, fallback) {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const n = Number(arg("--n", "1000"))
const dir = arg("--dir", "automerge-bench")
const timeoutMs = Number(arg("--timeout", "1800")) * 1000

function peakRss(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
    return kib * 1024
  } catch {
    return 0
  }
}

// The server side: creates the documents, flushes them, serves them over WebSocket.
async function serve() {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
  await new Promise((resolve) => wss.on("listening", resolve))
  const repo = new Repo({
    storage: new NodeFSStorageAdapter(path.join(dir, "server")),
    network: [new WebSocketServerAdapter(wss)],
    peerId: "server",
    // Serve what the client asks for; announcing all N documents at once to a new peer
    // (the default) makes automerge-repo time out and give up on documents at N = 10,000.
    shareConfig: { announce: async () => false, access: async () => true },
  })
  const urls = []
  for (let i = 0; i < n; i++) {
    const handle = repo.create({
      kind: "visit",
      title: `SR on torture: visit ${i}`,
      country: COUNTRIES[i % COUNTRIES.length],
      start: "2027-05-03",
      end: "2027-05-14",
      status: "scheduled",
      label: "clear",
      revision: 1,
    })
    urls.push(handle.url)
  }
  await repo.flush()
  fs.writeFileSync(path.join(dir, "urls.json"), JSON.stringify(urls))
  console.log(JSON.stringify({ port: wss.address().port }))
  // Runs until the parent closes stdin.
  process.stdin.resume()
  process.stdin.on("end", () => process.exit(0))
}

// Counts every byte between the client and the server.
function proxy(target) {
  const counted = { bytes: 0, last: Date.now() }
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, "127.0.0.1")
    const count = (chunk) => {
      counted.bytes += chunk.length
      counted.last = Date.now()
    }
    inbound.on("data", count)
    outbound.on("data", count)
    inbound.pipe(outbound)
    outbound.pipe(inbound)
    inbound.on("error", () => outbound.destroy())
    outbound.on("error", () => inbound.destroy())
    inbound.on("close", () => outbound.destroy())
    outbound.on("close", () => inbound.destroy())
  })
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, counted, port: server.address().port })),
  )
}

function client(port) {
  return new Repo({
    storage: new NodeFSStorageAdapter(path.join(dir, "client")),
    network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`, 1000)],
    peerId: `client-${Date.now()}`,
  })
}

// Finds every document, CONCURRENCY at a time. Under load automerge-repo sometimes gives up on
// a document ("unavailable") that the server holds: such finds are retried, and counted.
async function findAll(repo, urls, stats) {
  let next = 0
  async function find(url) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await repo.find(url)
      } catch (e) {
        if (attempt >= 5) throw e
        stats.retries++
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
      }
    }
  }
  async function worker() {
    while (next < urls.length) {
      const handle = await find(urls[next++])
      if (!handle.doc()?.title) throw new Error(`document ${handle.url} arrived empty`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

async function main() {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const server = spawn(process.execPath, [process.argv[1], "--serve", "--n", String(n), "--dir", dir], {
    stdio: ["pipe", "pipe", "inherit"],
  })
  const killer = setTimeout(() => {
    console.error("automerge-repo peer: timed out")
    server.kill()
    process.exit(1)
  }, timeoutMs)
  const lines = createInterface({ input: server.stdout })
  const { port } = JSON.parse(await new Promise((resolve) => lines.once("line", resolve)))
  const urls = JSON.parse(fs.readFileSync(path.join(dir, "urls.json"), "utf8"))
  const { server: tcp, counted, port: proxyPort } = await proxy(port)

  const stats = { retries: 0 }
  let repo = client(proxyPort)
  const start = performance.now()
  await findAll(repo, urls, stats)
  const found = performance.now()
  await repo.flush()
  const flushed = performance.now()
  const syncBytes = counted.bytes
  await repo.shutdown()

  // Reconnect, same storage, nothing changed: until the traffic stops.
  const before = counted.bytes
  repo = client(proxyPort)
  const again = performance.now()
  await findAll(repo, urls, stats)
  const quietFrom = Date.now()
  while (Date.now() - Math.max(counted.last, quietFrom) < QUIET_MS) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const reconnectMs = Math.max(0, counted.last - (Date.now() - (performance.now() - again)))
  const reconnectBytes = counted.bytes - before
  const result = {
    docs: urls.length,
    found_seconds: (found - start) / 1000,
    sync_seconds: (flushed - start) / 1000,
    sync_bytes: syncBytes,
    reconnect_seconds: reconnectMs / 1000,
    reconnect_bytes: reconnectBytes,
    client_peak_rss: peakRss(process.pid),
    server_peak_rss: peakRss(server.pid),
    retries: stats.retries,
    internal_errors: internalErrors,
  }
  await repo.shutdown()
  tcp.close()
  server.stdin.end()
  clearTimeout(killer)
  console.log(JSON.stringify(result))
  process.exit(0)
}

if (process.argv.includes("--serve")) {
  await serve()
} else {
  await main()
}
