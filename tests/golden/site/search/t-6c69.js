CatalogSearch.add("t","li",{"link":[1.188,"1_"]});
