CatalogSearch.add("t","th",{"they":[1.035,"0_"]});
