-- wrk script: the requests of a flood of the public site, each with its own query string.
local countries = {"TN", "FR", "MX", "TR", "GE", "VE", "KE", "BR", "UA", "PH"}
local counter = 0
request = function()
  counter = counter + 1
  local c = countries[counter % #countries + 1]
  local month = string.format("%02d", counter % 12 + 1)
  local paths = {
    "/api/v1/items?country=" .. c .. "&limit=" .. (counter % 500 + 1),
    "/visits/?country=" .. c .. "&limit=" .. (counter % 100 + 1),
    "/calendar/?from=2026-" .. month .. "-01&limit=" .. (counter % 50 + 1),
    "/",
    "/metrics",
    "/calendar.ics?country=" .. c .. "&mechanism=ohchr",
    "/countries/" .. c .. "/",
    "/api/v1/items?from=2027-" .. month .. "-01&limit=" .. (counter % 300 + 1),
  }
  return wrk.format("GET", paths[counter % #paths + 1])
end
