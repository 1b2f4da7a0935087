CatalogSearch.add("t","1",{"1":[1.188,"1_"]});
