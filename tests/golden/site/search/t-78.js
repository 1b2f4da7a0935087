CatalogSearch.add("t","x",{"x":[1.76,"1_"]});
