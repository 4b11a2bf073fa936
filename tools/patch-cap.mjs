#!/usr/bin/env node
/**
 * Patches npm `cap` 0.2.1 (libpcap binding) for the agent and rebuilds its addon. Runs from
 * the root package.json's `postinstall` (so `npm ci` / `npm install` end with the patched
 * build) and from tools/bootstrap.sh; idempotent: an already patched and built cap is left
 * alone. Fails loudly (exit 1) on any other cap version or on a source it does not recognise.
 *
 *   node tools/patch-cap.mjs            patch (if needed) and rebuild (if needed)
 *   node tools/patch-cap.mjs --check    exit 1 unless cap is patched and built
 *
 * What the patch changes in node_modules/cap/src/binding.cc (Linux code paths):
 *
 * 1. No abort when a captured interface goes down or away. The kernel then raises POLLERR
 *    (ENETDOWN) on the packet socket, libuv reports it to the poll callback as a status
 *    < 0, and cap 0.2.1 does `assert(status == 0)`: abort() of the whole process. Patched,
 *    the poll is stopped and the Cap emits 'error' (an Error whose message is the socket's
 *    errno text, e.g. "Network is down"); so does a pcap_dispatch() failure. The owner
 *    calls close(). Without an 'error' listener Node treats it as an uncaught exception.
 * 2. Snapshot length = the length of the buffer passed to open() (at most 65535), instead
 *    of a fixed 65535. The buffer already bounded what was copied; libpcap sizes the slots
 *    of its kernel ring by the snapshot length, so a 65535-byte one leaves an 8 MiB ring
 *    128 slots and a 1522-byte one thousands.
 * 3. The 'packet' event gets a third argument: the frame's length on the wire (the pcap
 *    header's `len`), so a frame cut by the snapshot length is recognisable.
 * 4. `stats()` returns libpcap's pcap_stats(): { received, dropped, ifdropped } since open
 *    (see pcap_stats(3PCAP) for what Linux counts).
 * 5. Memory safety when handles are closed and opened over a process's life: close()
 *    uv_close()s the poll handle (cap 0.2.1 only stops it, so a garbage-collected Cap left a
 *    dangling entry in libuv's handle list), and the Cap stays referenced until libuv is
 *    done with it; a Cap whose open() failed is released without touching the poll handle
 *    it never initialised (cap 0.2.1 called uv_poll_stop() on that uninitialised handle
 *    and Unref() without a Ref()). A Cap is opened once: open() on a Cap
 *    that was already opened throws (0.2.1 left such a Cap closing forever).
 * 6. No "Warning: <device>: no IPv4 address assigned - This may not actually work" on the
 *    process's stderr (where the agent writes its JSON logs) for every interface without
 *    IPv4: the netmask it failed to find only matters to filters on IPv4 broadcast.
 *
 * The pristine source is kept as binding.cc.orig; a changed patch (PATCH_ID) is applied to
 * it again.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PATCH_ID = 'neighwatch cap patch 2';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CAP = join(ROOT, 'node_modules/cap');
const SOURCE = join(CAP, 'src/binding.cc');
const ORIGINAL = `${SOURCE}.orig`;
const ADDON = join(CAP, 'build/Release/cap.node');

/** Each hunk: text that occurs exactly once in cap 0.2.1's binding.cc, and its replacement. */
const HUNKS = [
  {
    why: 'includes for SO_ERROR',
    from: `# include <sys/ioctl.h>\n#endif`,
    to: `# include <sys/ioctl.h>\n# include <sys/socket.h>\n#endif\n\n// ${PATCH_ID}: see tools/patch-cap.mjs in the neighwatch repository.`,
  },
  {
    why: '5: remember whether the poll handle was initialised',
    from: `    uv_poll_t poll_handle;\n    int fd;\n#endif`,
    to: `    uv_poll_t poll_handle;\n    int fd;\n    bool polling = false;  // poll_handle initialised and not yet closed\n#endif`,
  },
  {
    why: '5: only stop a poll handle that exists',
    from: `#else\n        uv_poll_stop(&poll_handle);\n#endif\n        closing = true;`,
    to: `#else\n        if (polling)\n          uv_poll_stop(&poll_handle);\n#endif\n        closing = true;`,
  },
  {
    why: '5: uv_close() the poll handle; unreference when libuv is done with it',
    from: `      if (pcap_handle && !handling_packets) {
        pcap_close(pcap_handle);
        pcap_handle = nullptr;
        buffer_data = nullptr;
        buffer_length = 0;
        Unref();
      }
    }`,
    to: `      if (pcap_handle && !handling_packets) {
#ifndef _WIN32
        if (polling) {
          polling = false;
          uv_close((uv_handle_t*)&poll_handle, cb_poll_closed);
        }
#endif
        pcap_close(pcap_handle);
        pcap_handle = nullptr;
        buffer_data = nullptr;
        buffer_length = 0;
#ifdef _WIN32
        Unref();
#endif
      }
    }

#ifndef _WIN32
    static void cb_poll_closed(uv_handle_t* handle) {
      ((Pcap*)handle->data)->Unref();
    }

    // 1: stop polling and emit 'error' instead of asserting.
    void fail(const char* message) {
      Nan::HandleScope scope;
      uv_poll_stop(&poll_handle);
      Local<Value> emit_argv[2] = {
        Nan::New<String>("error").ToLocalChecked(),
        Nan::Error(message)
      };
      async_res.runInAsyncScope(
        Nan::New<Object>(persistent()),
        Nan::New<Function>(Emit),
        2,
        emit_argv
      );
    }
#endif`,
  },
  {
    why: '3: the wire length as a third argument of the packet event',
    from: `      Local<Value> emit_argv[3] = {
        Nan::New<String>(packet_symbol),
        Nan::New<Number>(copy_len),
        Nan::New<Boolean>(truncated)
      };
      obj->async_res.runInAsyncScope(
        Nan::New<Object>(obj->persistent()),
        Nan::New<Function>(obj->Emit),
        3,
        emit_argv
      );`,
    to: `      Local<Value> emit_argv[4] = {
        Nan::New<String>(packet_symbol),
        Nan::New<Number>(copy_len),
        Nan::New<Boolean>(truncated),
        Nan::New<Number>(pkt_hdr->len)
      };
      obj->async_res.runInAsyncScope(
        Nan::New<Object>(obj->persistent()),
        Nan::New<Function>(obj->Emit),
        4,
        emit_argv
      );`,
  },
  {
    why: '1: a poll error (POLLERR: the interface went down or away) is an error event, not abort()',
    from: `    static void cb_packets(uv_poll_t* handle, int status, int events) {
      assert(status == 0);
      Pcap *obj = (Pcap*)handle->data;
      int packet_count;

      if (obj->closing)
        return obj->cleanup();
`,
    to: `    static void cb_packets(uv_poll_t* handle, int status, int events) {
      Pcap *obj = (Pcap*)handle->data;
      int packet_count;

      if (obj->closing)
        return obj->cleanup();

      if (status != 0) {
        // libuv says EBADF for any POLLERR; the socket's pending error says why.
        int error = 0;
        socklen_t length = sizeof(error);
        if (getsockopt(obj->fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0
            && error != 0)
          return obj->fail(strerror(error));
        return obj->fail(uv_strerror(status));
      }
`,
  },
  {
    why: '1: a pcap_dispatch() failure is an error event too',
    from: `        obj->handling_packets = false;
        if (obj->closing)
          obj->cleanup();
      }
    }
#endif`,
    to: `        obj->handling_packets = false;
        if (obj->closing)
          obj->cleanup();
        else if (packet_count == PCAP_ERROR)
          obj->fail(pcap_geterr(obj->pcap_handle));
      }
    }
#endif`,
  },
  {
    why: '5: a Cap is opened once',
    from: `      if (obj->pcap_handle)
        obj->close();

      if (info.Length() < 4)`,
    to: `      if (obj->pcap_handle || obj->closing)
        return Nan::ThrowError("this Cap was already opened: use a new Cap");

      if (info.Length() < 4)`,
  },
  {
    why: '6: no warning on stderr for an interface without IPv4',
    from: `        net = 0;
        mask = 0;
        fprintf(stderr, "Warning: %s - This may not actually work\\n", errbuf);`,
    to: `        net = 0;
        mask = 0;`,
  },
  {
    why: '2: snapshot length from the buffer',
    from: `      // 64KB is the max IPv4 packet size
      if (pcap_set_snaplen(obj->pcap_handle, 65535) != 0)`,
    to: `      // The snapshot length is the buffer's length (at most 65535): see
      // tools/patch-cap.mjs.
      int snaplen = obj->buffer_length < 65535 ? (int)obj->buffer_length : 65535;
      if (pcap_set_snaplen(obj->pcap_handle, snaplen) != 0)`,
  },
  {
    why: '5: the poll handle exists from here on',
    from: `      r = uv_poll_start(&obj->poll_handle, UV_READABLE, cb_packets);
      assert(r == 0);
      obj->poll_handle.data = obj;
#endif`,
    to: `      obj->poll_handle.data = obj;
      obj->polling = true;
      r = uv_poll_start(&obj->poll_handle, UV_READABLE, cb_packets);
      assert(r == 0);
#endif`,
  },
  {
    why: '4: stats()',
    from: `    static NAN_METHOD(Close) {`,
    to: `    static NAN_METHOD(Stats) {
      Pcap *obj = Nan::ObjectWrap::Unwrap<Pcap>(info.This());
      struct pcap_stat stat;

      if (obj->pcap_handle == nullptr || obj->closing)
        return Nan::ThrowError("Not currently capturing/open");
      if (pcap_stats(obj->pcap_handle, &stat) != 0)
        return Nan::ThrowError(pcap_geterr(obj->pcap_handle));

      Local<Object> result = Nan::New<Object>();
      Nan::Set(result, Nan::New<String>("received").ToLocalChecked(),
               Nan::New<Number>(stat.ps_recv));
      Nan::Set(result, Nan::New<String>("dropped").ToLocalChecked(),
               Nan::New<Number>(stat.ps_drop));
      Nan::Set(result, Nan::New<String>("ifdropped").ToLocalChecked(),
               Nan::New<Number>(stat.ps_ifdrop));
      info.GetReturnValue().Set(result);
    }

    static NAN_METHOD(Close) {`,
  },
  {
    why: '4: register stats()',
    from: `      Nan::SetPrototypeMethod(tpl, "close", Close);`,
    to: `      Nan::SetPrototypeMethod(tpl, "close", Close);\n      Nan::SetPrototypeMethod(tpl, "stats", Stats);`,
  },
];

function fail(message) {
  process.stderr.write(`patch-cap: ${message}\n`);
  process.exit(1);
}

function patched(source) {
  let out = source;
  for (const hunk of HUNKS) {
    const at = out.indexOf(hunk.from);
    if (at < 0 || out.indexOf(hunk.from, at + 1) >= 0) fail(`cap's binding.cc does not contain exactly one place for "${hunk.why}": not the cap 0.2.1 this patch was written for`);
    out = out.slice(0, at) + hunk.to + out.slice(at + hunk.from.length);
  }
  return out;
}

/** Loads the built addon in a fresh process and checks that the patched API is there. */
function addonIsPatched() {
  if (!existsSync(ADDON) || statSync(ADDON).mtimeMs < statSync(SOURCE).mtimeMs) return false;
  try {
    execFileSync(process.execPath, ['-e', `if (typeof require(${JSON.stringify(CAP)}).Cap.prototype.stats !== 'function') process.exit(1)`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!existsSync(join(CAP, 'package.json'))) fail(`${CAP} not found: run npm ci first`);
const version = JSON.parse(readFileSync(join(CAP, 'package.json'), 'utf8')).version;
if (version !== '0.2.1') fail(`found cap ${version}; this patch is for cap 0.2.1 exactly (package.json pins it): update tools/patch-cap.mjs for the new version`);

const current = readFileSync(SOURCE, 'utf8');
const sourcePatched = current.includes(PATCH_ID);
if (process.argv.includes('--check')) {
  if (!sourcePatched || !addonIsPatched()) fail('node_modules/cap is not patched and built: run node tools/patch-cap.mjs');
  process.exit(0);
}
if (!sourcePatched) {
  let pristine = current;
  if (current.includes('neighwatch cap patch')) {
    if (!existsSync(ORIGINAL)) fail(`${SOURCE} carries an older patch and ${ORIGINAL} is missing: reinstall cap (rm -rf node_modules/cap && npm ci)`);
    pristine = readFileSync(ORIGINAL, 'utf8');
  } else {
    copyFileSync(SOURCE, ORIGINAL);
  }
  writeFileSync(SOURCE, patched(pristine));
  process.stderr.write(`patch-cap: patched ${SOURCE}\n`);
}
if (addonIsPatched()) process.exit(0);

// npm rebuild runs cap's own install script (node-gyp rebuild) with npm's node-gyp and
// configuration (nodedir: the local Node.js headers; nothing is downloaded).
process.stderr.write('patch-cap: rebuilding cap\n');
try {
  execFileSync('npm', ['rebuild', 'cap', '--foreground-scripts', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
} catch (error) {
  fail(`npm rebuild cap failed (${error.message}): is libpcap-dev installed?`);
}
if (!addonIsPatched()) fail('the rebuilt cap addon has no stats(): the build did not pick up the patched source');
process.stderr.write('patch-cap: cap 0.2.1 patched and built\n');
