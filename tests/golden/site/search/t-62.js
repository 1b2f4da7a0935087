CatalogSearch.add("t","b",{"b":[6.484,"1_"]});
