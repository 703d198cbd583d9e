#include "http_edge/list_merge.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

namespace microshop::http_edge {

namespace {

template <class Page>
list_bound page_bound(const Page& p, std::string_view after) {
  if (p.full || p.watermark.empty())
    return p.items.empty() ? list_bound{after, true}
                           : list_bound{p.items.back().id, true};
  return {p.watermark, false};
}

template <class Page>
Page merge(std::vector<Page>&& pages, const actors::page& window) {
  if (pages.size() == 1)
    return std::move(pages.front());
  Page out;
  if (pages.empty())
    return out;
  auto bound = page_bound(pages.front(), window.after);
  size_t total = 0;
  for (auto& p : pages) {
    bound = lower(bound, page_bound(p, window.after));
    out.more = out.more || p.more;
    total += p.items.size();
  }
  // The items move out below: keep the bound's id apart.
  std::string bound_id{bound.id};
  bound.id = bound_id;
  std::vector<size_t> next(pages.size(), 0);
  out.items.reserve(std::min<size_t>(window.limit, total));
  while (out.items.size() < window.limit) {
    // The smallest next item of any node, if it lies within the bound.
    Page* from = nullptr;
    size_t* pos = nullptr;
    for (size_t i = 0; i < pages.size(); ++i) {
      auto& items = pages[i].items;
      if (next[i] < items.size() &&
          (from == nullptr || items[next[i]].id < from->items[*pos].id)) {
        from = &pages[i];
        pos = &next[i];
      }
    }
    if (from == nullptr || !within(from->items[*pos].id, bound))
      break;
    out.items.push_back(std::move(from->items[(*pos)++]));
  }
  for (size_t i = 0; i < pages.size() && !out.more; ++i)
    out.more = next[i] < pages[i].items.size();
  return out;
}

} // namespace

bool within(std::string_view id, const list_bound& b) {
  return id < b.id || (b.inclusive && id == b.id);
}

list_bound lower(const list_bound& a, const list_bound& b) {
  if (a.id != b.id)
    return a.id < b.id ? a : b;
  return a.inclusive ? b : a;
}

list_bound bound_of(const actors::user_page& p, std::string_view after) {
  return page_bound(p, after);
}

list_bound bound_of(const actors::order_page& p, std::string_view after) {
  return page_bound(p, after);
}

actors::user_page merge_pages(std::vector<actors::user_page>&& pages,
                              const actors::page& window) {
  return merge(std::move(pages), window);
}

actors::order_page merge_pages(std::vector<actors::order_page>&& pages,
                               const actors::page& window) {
  return merge(std::move(pages), window);
}

} // namespace microshop::http_edge
