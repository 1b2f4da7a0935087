CatalogSearch.add("t","if",{"if":"3J","if you":"3O"});
