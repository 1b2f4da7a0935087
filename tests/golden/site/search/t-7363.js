CatalogSearch.add("t","sc",{"script":[1.757,"1_"]});
