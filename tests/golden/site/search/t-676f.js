CatalogSearch.add("t","go",{"good":[1.186,"1_"],"good link":[1.54,"1_"]});
