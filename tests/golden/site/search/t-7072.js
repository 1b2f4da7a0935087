CatalogSearch.add("t","pr",{"preetum":"2a","pruned":"3J","pruned before":"3O","pruning":"3b","pruning sparse":"3T"});
