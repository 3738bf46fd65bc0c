// The Journey extension for VS Code: starts `journey lsp` over stdio for
// .journey files and hands everything else (errors, hover, navigation,
// completion, formatting) to that language server. Highlighting does not
// need the server: it comes from syntaxes/journey.tmLanguage.json.
'use strict';

const path = require('path');
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/**
 * The `journey` program from the `journey.server.path` setting. A bare name
 * is looked up on PATH; a relative path is read from the first workspace
 * folder, so that a project can point at its own build.
 */
function serverCommand() {
  const setting = vscode.workspace.getConfiguration('journey').get('server.path', 'journey');
  const command = (setting || '').trim() || 'journey';

  const folders = vscode.workspace.workspaceFolders;
  const isRelativePath = command.includes('/') && !path.isAbsolute(command);
  if (isRelativePath && folders && folders.length > 0) {
    return path.join(folders[0].uri.fsPath, command);
  }
  return command;
}

async function startClient(context) {
  const command = serverCommand();
  // No `transport` here: vscode-languageclient would add `--stdio` to the
  // arguments, and the server speaks over stdio without being told.
  const serverOptions = { command, args: ['lsp'] };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'journey' }],
    synchronize: {
      // Other files of the project change what a file means: declarations
      // in other .journey files, lint levels in journey.toml, template bodies.
      fileEvents: vscode.workspace.createFileSystemWatcher(
        '**/{*.journey,journey.toml,*.html,*.htm,*.txt}',
      ),
    },
  };

  client = new LanguageClient('journey', 'Journey', serverOptions, clientOptions);
  context.subscriptions.push(client);
  try {
    await client.start();
  } catch (error) {
    const message = error && error.message ? error.message : String(error);
    vscode.window.showErrorMessage(
      `Journey: could not start \`${command} lsp\` (${message}). ` +
        'Set "journey.server.path" to the journey program.',
    );
  }
}

async function stopClient() {
  if (!client) {
    return;
  }
  const running = client;
  client = undefined;
  await running.stop();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('journey.restartServer', async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('journey.server.path')) {
        await stopClient();
        await startClient(context);
      }
    }),
  );
  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
