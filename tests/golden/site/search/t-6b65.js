CatalogSearch.add("t","ke",{"keep":"3J","keep same":"3O"});
