CatalogSearch.add("t","we",{"weight":[1.072,"3_"]});
