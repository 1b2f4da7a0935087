CatalogSearch.add("t","on",{"onerror":[1.188,"1_"],"only":[1.072,"3_"]});
