CatalogSearch.add("t","b",{"b":[6.487,"1_"]});
