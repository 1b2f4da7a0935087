CatalogSearch.add("t","on",{"onerror":[1.186,"1_"],"only":[1.069,"3_"]});
