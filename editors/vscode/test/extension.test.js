// Unit tests of extension.js on stand-ins for the `vscode` API and the
// language client: which command it starts, with what arguments, and how it
// restarts. VS Code itself cannot run here; editors/vscode/test/tokenize.js
// and tests/lsp_neovim.rs cover the grammar and the server with real tools.
//
// Run: node --test editors/vscode/test/extension.test.js
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const Module = require('module');
const path = require('path');

/**
 * Loads a fresh copy of extension.js against stand-ins. `settings` maps
 * "section.key" to a value; `startError` makes every client fail to start.
 */
function loadExtension({ settings = {}, folders = [], startError } = {}) {
  const seen = { clients: [], errors: [], commands: new Map(), configListeners: [] };

  class StandInClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions });
      this.state = 'new';
      seen.clients.push(this);
    }
    async start() {
      if (startError) {
        throw new Error(startError);
      }
      this.state = 'running';
    }
    async stop() {
      this.state = 'stopped';
    }
    dispose() {}
  }

  const vscode = {
    workspace: {
      getConfiguration: (section) => ({
        get: (key, fallback) => {
          const value = settings[`${section}.${key}`];
          return value === undefined ? fallback : value;
        },
      }),
      workspaceFolders: folders.map((folder) => ({ uri: { fsPath: folder } })),
      createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
      onDidChangeConfiguration: (listener) => {
        seen.configListeners.push(listener);
        return { dispose() {} };
      },
    },
    window: { showErrorMessage: (message) => seen.errors.push(message) },
    commands: {
      registerCommand: (name, callback) => {
        seen.commands.set(name, callback);
        return { dispose() {} };
      },
    },
  };

  const originalLoad = Module._load;
  Module._load = function load(request, ...rest) {
    if (request === 'vscode') {
      return vscode;
    }
    if (request === 'vscode-languageclient/node') {
      return { LanguageClient: StandInClient };
    }
    return originalLoad.call(this, request, ...rest);
  };
  try {
    const file = require.resolve('../extension.js');
    delete require.cache[file];
    return { extension: require(file), seen, settings };
  } finally {
    Module._load = originalLoad;
  }
}

function fakeContext() {
  return { subscriptions: [] };
}

test('starts `journey lsp` from PATH by default, over stdio', async () => {
  const { extension, seen } = loadExtension();
  await extension.activate(fakeContext());

  assert.strictEqual(seen.clients.length, 1);
  const client = seen.clients[0];
  assert.deepStrictEqual(client.serverOptions, { command: 'journey', args: ['lsp'] });
  assert.deepStrictEqual(client.clientOptions.documentSelector, [
    { scheme: 'file', language: 'journey' },
  ]);
  assert.match(client.clientOptions.synchronize.fileEvents.glob, /\*\.journey/);
  assert.strictEqual(client.state, 'running');
  assert.deepStrictEqual(seen.errors, []);
});

test('uses an absolute journey.server.path as it is', async () => {
  const { extension, seen } = loadExtension({
    settings: { 'journey.server.path': '/opt/journey/bin/journey' },
    folders: ['/home/ana/clinic'],
  });
  await extension.activate(fakeContext());

  assert.strictEqual(seen.clients[0].serverOptions.command, '/opt/journey/bin/journey');
});

test('reads a relative journey.server.path from the workspace folder', async () => {
  const { extension, seen } = loadExtension({
    settings: { 'journey.server.path': 'target/debug/journey' },
    folders: ['/home/ana/clinic'],
  });
  await extension.activate(fakeContext());

  const expected = path.join('/home/ana/clinic', 'target/debug/journey');
  assert.strictEqual(seen.clients[0].serverOptions.command, expected);
});

test('an empty journey.server.path falls back to `journey`', async () => {
  const { extension, seen } = loadExtension({ settings: { 'journey.server.path': '  ' } });
  await extension.activate(fakeContext());

  assert.strictEqual(seen.clients[0].serverOptions.command, 'journey');
});

test('says which setting to change when the server cannot start', async () => {
  const { extension, seen } = loadExtension({
    settings: { 'journey.server.path': '/nowhere/journey' },
    startError: 'spawn /nowhere/journey ENOENT',
  });
  await extension.activate(fakeContext());

  assert.strictEqual(seen.errors.length, 1);
  assert.match(seen.errors[0], /\/nowhere\/journey lsp/);
  assert.match(seen.errors[0], /ENOENT/);
  assert.match(seen.errors[0], /journey\.server\.path/);
});

test('the restart command stops the running server and starts a new one', async () => {
  const { extension, seen } = loadExtension();
  await extension.activate(fakeContext());
  await seen.commands.get('journey.restartServer')();

  assert.strictEqual(seen.clients.length, 2);
  assert.strictEqual(seen.clients[0].state, 'stopped');
  assert.strictEqual(seen.clients[1].state, 'running');
});

test('a new journey.server.path restarts the server with it', async () => {
  const { extension, seen, settings } = loadExtension();
  await extension.activate(fakeContext());

  settings['journey.server.path'] = '/usr/local/bin/journey';
  const unrelated = { affectsConfiguration: (name) => name === 'editor.tabSize' };
  await Promise.all(seen.configListeners.map((listener) => listener(unrelated)));
  assert.strictEqual(seen.clients.length, 1);

  const changed = { affectsConfiguration: (name) => name === 'journey.server.path' };
  await Promise.all(seen.configListeners.map((listener) => listener(changed)));
  assert.strictEqual(seen.clients.length, 2);
  assert.strictEqual(seen.clients[0].state, 'stopped');
  assert.strictEqual(seen.clients[1].serverOptions.command, '/usr/local/bin/journey');
});

test('deactivate stops the server', async () => {
  const { extension, seen } = loadExtension();
  await extension.activate(fakeContext());
  await extension.deactivate();

  assert.strictEqual(seen.clients[0].state, 'stopped');
});
