CatalogSearch.add("t","hu",{"hurt":[4.452,"2_"]});
