CatalogSearch.add("t","yo",{"you":"3J","you keep":"3O"});
