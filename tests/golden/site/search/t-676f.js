CatalogSearch.add("t","go",{"good":[1.186,"1_"]});
