CatalogSearch.add("t","on",{"onerror":[1.186,"1_"],"onerror alert":[1.54,"1_"],"only":[1.069,"3_"],"only subset":[1.54,"3_"]});
