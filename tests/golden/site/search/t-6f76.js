CatalogSearch.add("t","ov",{"overfitting":"0j","overfitting small":"0X"});
