# SPDX-License-Identifier: Apache-2.0
"""The search index behind the public search (embedded FTS5 + R*Tree, or
Meilisearch), derived from the store and rebuildable from it.

Not built yet: the foundation answers "nearest venues" from the store itself
(``Store.nearest``); the index comes with the search issue.
"""
