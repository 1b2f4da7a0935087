CatalogSearch.add("t","fr",{"frankle":[4.17,"3_"]});
