CatalogSearch.add("t","th",{"they":[1.035,"0_"],"they have":[1.54,"0_"]});
