/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, so the fakes start without a build step */
// Shared by the fake kind/kubectl/docker: record argv (and stdin) as one JSON line
// in the file named by FAKE_LOG, so contract tests can assert what kindlab sent.
const fs = require('node:fs');

function readStdin() {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

function record(tool, args, stdin) {
  const file = process.env.FAKE_LOG;
  if (!file) return;
  const entry = { tool, args };
  if (stdin !== undefined) entry.stdin = stdin;
  fs.appendFileSync(file, JSON.stringify(entry) + '\n');
}

/** The value after a flag (`--name N` or `--name=N`). */
function flag(args, name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(name + '=')) return args[i].slice(name.length + 1);
  }
  return undefined;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const DOCKER_DOWN = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

module.exports = { readStdin, record, flag, sleep, DOCKER_DOWN };
