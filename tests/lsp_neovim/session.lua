-- One editing session in a real Neovim (0.7 or later) with `journey lsp` as
-- its language server, driven by tests/lsp_neovim.rs.
--
-- It opens a file of a project, starts the server with vim.lsp.start_client
-- and attaches the buffer, then, as a user would:
--   1. waits for the diagnostics of the file;
--   2. asks for hover and go to definition at a position;
--   3. fixes the mistake by editing the buffer, and waits for the
--      diagnostics to clear;
--   4. stops the server (shutdown + exit) and waits for the process to end.
--
-- Input, from the environment:
--   JOURNEY_BIN   the journey program;      JOURNEY_ROOT  the project folder;
--   JOURNEY_FILE  the file to open;
--   JOURNEY_AT    where to ask for hover and definition: "LINE:COL", the
--                 line from 1 and the column a byte offset from 0;
--   JOURNEY_FIX   the edit that fixes the mistake: "LINE:COL:END_COL:TEXT",
--                 byte columns on that line.
--
-- Output, one fact per line on stdout (the test parses these):
--   SERVER_PID <pid>
--   ENCODING <offset encoding>
--   DIAGNOSTIC <line> <character> <code> <severity> <message>   (0-based)
--   HOVER <the hover contents as JSON>
--   DEFINITION <path> <line> <character> <end line> <end character>
--   FIXED <diagnostics left after the fix>
--   SERVER_EXIT <code> <signal> <milliseconds from stop to exit>
--   FAIL <what did not happen>
-- and exits 0, or 1 after any FAIL.

local function say(...)
  io.stdout:write(table.concat({ ... }, ' '), '\n')
  io.stdout:flush()
end

local function env(name)
  local value = os.getenv(name)
  if not value or value == '' then
    error('the environment variable ' .. name .. ' is not set')
  end
  return value
end

local function one_line(text)
  return (tostring(text):gsub('\n', '\\n'))
end

local failed = false
local function fail(what)
  failed = true
  say('FAIL', one_line(what))
end

local state = { client_id = nil, published = {}, exit = nil }

local function start_server(root)
  state.client_id = vim.lsp.start_client({
    name = 'journey',
    cmd = { env('JOURNEY_BIN'), 'lsp' },
    root_dir = root,
    -- Neovim must not kill the server when it quits: the test checks that
    -- the server ends by itself after `shutdown` and `exit`.
    flags = { exit_timeout = false },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(_, result)
        table.insert(state.published, result)
      end,
    },
    on_exit = function(code, signal)
      state.exit = { code = code, signal = signal, at = vim.loop.hrtime() }
    end,
  })
  if not state.client_id then
    error('vim.lsp.start_client did not start ' .. env('JOURNEY_BIN'))
  end
  local client = vim.lsp.get_client_by_id(state.client_id)
  say('SERVER_PID', tostring(client.rpc.pid))
end

-- The diagnostics most recently published for `uri` once `accept` takes
-- them, or nil after `timeout` milliseconds.
local function wait_for_diagnostics(uri, timeout, accept)
  local found
  vim.wait(timeout, function()
    for i = #state.published, 1, -1 do
      local published = state.published[i]
      if published.uri == uri then
        if accept(published.diagnostics) then
          found = published.diagnostics
        end
        return found ~= nil
      end
    end
    return false
  end, 20)
  return found
end

local function request(bufnr, method, params)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, 10000)
  if not responses then
    error(method .. ' got no answer: ' .. tostring(err))
  end
  local response = responses[state.client_id]
  if not response then
    error(method .. ' got no answer from the journey server')
  end
  if response.err then
    error(method .. ' failed: ' .. vim.inspect(response.err))
  end
  return response.result
end

local function print_locations(result)
  if result == nil or vim.tbl_isempty(result) then
    fail('no definition')
    return
  end
  local locations = result.uri and { result } or result
  for _, location in ipairs(locations) do
    local uri = location.uri or location.targetUri
    local range = location.range or location.targetSelectionRange
    say('DEFINITION', vim.uri_to_fname(uri), range.start.line, range.start.character,
      range['end'].line, range['end'].character)
  end
end

local function parse_position(text)
  local line, col = text:match('^(%d+):(%d+)$')
  return tonumber(line), tonumber(col)
end

local function session()
  local root = env('JOURNEY_ROOT')
  vim.cmd('edit ' .. vim.fn.fnameescape(env('JOURNEY_FILE')))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)

  start_server(root)
  vim.lsp.buf_attach_client(bufnr, state.client_id)

  local diagnostics = wait_for_diagnostics(uri, 30000, function(list) return #list > 0 end)
  if not diagnostics then
    fail('no diagnostics were published for ' .. uri)
    return
  end
  say('ENCODING', vim.lsp.get_client_by_id(state.client_id).offset_encoding)
  for _, d in ipairs(diagnostics) do
    say('DIAGNOSTIC', d.range.start.line, d.range.start.character, tostring(d.code),
      tostring(d.severity), one_line(d.message))
  end

  local line, col = parse_position(env('JOURNEY_AT'))
  vim.api.nvim_win_set_cursor(0, { line, col })
  local params = vim.lsp.util.make_position_params()
  local hover = request(bufnr, 'textDocument/hover', params)
  if hover == nil then
    fail('no hover')
  else
    say('HOVER', vim.fn.json_encode(hover.contents))
  end
  print_locations(request(bufnr, 'textDocument/definition', params))

  local fix_line, fix_col, fix_end, text = env('JOURNEY_FIX'):match('^(%d+):(%d+):(%d+):(.*)$')
  fix_line = tonumber(fix_line) - 1
  vim.api.nvim_buf_set_text(bufnr, fix_line, tonumber(fix_col), fix_line, tonumber(fix_end),
    { text })
  local after = wait_for_diagnostics(uri, 30000, function(list) return #list == 0 end)
  if not after then
    fail('the diagnostics did not clear after the fix')
  else
    say('FIXED', #after)
  end
end

local function stop_server()
  local client = state.client_id and vim.lsp.get_client_by_id(state.client_id)
  if not client then
    return
  end
  local stopped_at = vim.loop.hrtime()
  client.stop()
  vim.wait(10000, function() return state.exit ~= nil end, 10)
  if state.exit then
    local ms = math.floor((state.exit.at - stopped_at) / 1e6)
    say('SERVER_EXIT', state.exit.code, state.exit.signal, ms)
  else
    fail('the server did not exit within 10 s of shutdown + exit')
  end
end

local ok, err = pcall(session)
if not ok then
  fail(err)
end
local stop_ok, stop_err = pcall(stop_server)
if not stop_ok then
  fail(stop_err)
end
vim.cmd(failed and 'cquit 1' or 'qall!')
