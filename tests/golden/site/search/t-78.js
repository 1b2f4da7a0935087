CatalogSearch.add("t","x",{"x":[1.757,"1_"]});
