CatalogSearch.add("t","1",{"1":[1.186,"1_"]});
