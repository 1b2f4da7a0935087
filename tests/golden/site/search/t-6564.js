CatalogSearch.add("t","ed",{"edge":"3J","edge network":"3O","edward":"0c"});
