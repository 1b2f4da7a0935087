CatalogSearch.add("t","sc",{"script":[1.757,"1_"],"script alert":[1.54,"1_"],"script raw":[1.54,"1_"]});
