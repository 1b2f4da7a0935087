CatalogSearch.add("t","re",{"recht":"5c","require":"5k","require rethinking":"5X","rest":"3J","rest can":"3O","rethinking":"5k","rethinking generalization":"5X"});
