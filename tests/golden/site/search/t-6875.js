CatalogSearch.add("t","hu",{"hurt":[4.456,"2_"]});
