-- Checks the Neovim configuration that docs/editors.md gives, run as the
-- user's init.lua by tests/lsp_neovim.rs: Neovim was started on a file of a
-- project, and this script (run after the file is loaded) reports what the
-- configuration set up, one fact per line on stdout:
--
--   FILETYPE <filetype>         COMMENTSTRING <commentstring>
--   CLIENT <name> <id> <root>   for each client attached to the buffer
--   DIAGNOSTIC <line> <code>    once the server has published them
--   SECOND <client ids>         the clients of a second file of the project
--   FAIL <what did not happen>
--
-- It exits 1 after a FAIL. Quitting leaves the server to Neovim's own
-- exit handling, as it is for a user.

local function say(...)
  io.stdout:write(table.concat({ ... }, ' '), '\n')
  io.stdout:flush()
end

local failed = false
local function fail(what)
  failed = true
  say('FAIL', what)
end

local function client_ids(bufnr)
  local ids = {}
  for id in pairs(vim.lsp.buf_get_clients(bufnr)) do
    table.insert(ids, tostring(id))
  end
  table.sort(ids)
  return table.concat(ids, ',')
end

local function check()
  local bufnr = vim.api.nvim_get_current_buf()
  say('FILETYPE', vim.bo[bufnr].filetype)
  say('COMMENTSTRING', vim.bo[bufnr].commentstring)

  local diagnostics = {}
  local arrived = vim.wait(30000, function()
    diagnostics = vim.diagnostic.get(bufnr)
    return #diagnostics > 0
  end, 20)
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    say('CLIENT', client.name, tostring(client.id), client.config.root_dir)
  end
  if not arrived then
    fail('no diagnostics within 30 s')
    return
  end
  for _, d in ipairs(diagnostics) do
    local lsp = d.user_data and d.user_data.lsp or {}
    say('DIAGNOSTIC', tostring(d.lnum), tostring(lsp.code or d.code))
  end

  local folder = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':p:h')
  vim.cmd('edit ' .. vim.fn.fnameescape(folder .. '/schema.journey'))
  local second = vim.api.nvim_get_current_buf()
  vim.wait(10000, function() return client_ids(second) ~= '' end, 20)
  say('SECOND', client_ids(second))
end

local ok, err = pcall(check)
if not ok then
  fail(tostring(err):gsub('\n', '\\n'))
end
vim.cmd(failed and 'cquit 1' or 'qall!')
