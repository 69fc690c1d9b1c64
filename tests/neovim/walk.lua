-- Drives a real Neovim, headless, through what a user does in a half-typed file: the spec
-- (JSON, its path in $NUMPYRO_LSP_WALK) names the file, where to ask for code actions and what
-- to append before asking for a completion. What the client saw is written to spec.out.
local spec = vim.fn.json_decode(table.concat(vim.fn.readfile(vim.env.NUMPYRO_LSP_WALK), '\n'))
local seen = {
  attached = {}, diagnostics = {}, actions = {}, completion = {}, after_edit = {},
  edit_published = false,
}

local function diagnostics(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(found, { code = d.code, line = d.lnum, message = d.message })
  end
  return found
end

local function walk()
  vim.cmd('edit ' .. vim.fn.fnameescape(spec.file))
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  vim.wait(spec.timeout_ms, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  for _, client in pairs(vim.lsp.buf_get_clients(buf)) do table.insert(seen.attached, client.name) end
  seen.diagnostics = diagnostics(buf)

  local at = { line = spec.action_line, character = spec.action_character }
  local answers = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = at, ['end'] = at },
    context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf, spec.action_line) },
  }, spec.timeout_ms)
  for _, answer in pairs(answers or {}) do
    for _, action in ipairs(answer.result or {}) do table.insert(seen.actions, action.title) end
  end

  -- Typed as Neovim types it: the quote stays open.
  local count = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_buf_set_lines(buf, count, count, false, spec.appended)
  local last = vim.api.nvim_buf_line_count(buf) - 1
  local text = vim.api.nvim_buf_get_lines(buf, last, last + 1, false)[1]
  answers = vim.lsp.buf_request_sync(buf, 'textDocument/completion', {
    textDocument = { uri = uri },
    position = { line = last, character = #text },
  }, spec.timeout_ms)
  for _, answer in pairs(answers or {}) do
    local result = answer.result or {}
    for _, item in ipairs(result.items or result) do table.insert(seen.completion, item.label) end
  end
  -- The findings published for the edited text (its version is newer than the open's).
  local version = vim.lsp.util.buf_versions[buf]
  seen.edit_published = vim.wait(spec.timeout_ms, function()
    return vim.b[buf].numpyro_walk_version == version
  end, 20)
  seen.after_edit = diagnostics(buf)
end

-- Records the version of each publish, so that the walk can wait for the edit's.
vim.lsp.handlers['textDocument/publishDiagnostics'] = (function(default)
  return function(err, result, ctx, config)
    default(err, result, ctx, config)
    local buf = vim.uri_to_bufnr(result.uri)
    if result.version then vim.b[buf].numpyro_walk_version = result.version end
  end
end)(vim.lsp.handlers['textDocument/publishDiagnostics'])

local ok, problem = pcall(walk)
if not ok then seen.error = tostring(problem) end
vim.fn.writefile({ vim.fn.json_encode(seen) }, spec.out)
vim.cmd('qa!')
