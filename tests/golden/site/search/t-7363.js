CatalogSearch.add("t","sc",{"script":[1.76,"1_"]});
