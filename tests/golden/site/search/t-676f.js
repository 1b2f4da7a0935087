CatalogSearch.add("t","go",{"good":[1.188,"1_"]});
