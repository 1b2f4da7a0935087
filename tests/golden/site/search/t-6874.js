CatalogSearch.add("t","ht",{"html":[1.188,"1_"]});
