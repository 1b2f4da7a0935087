CatalogSearch.add("t","th",{"they":[1.038,"0_"]});
