CatalogSearch.add("t","da",{"data":"0E2Z","data hurt":"2X","dataset":"0x","dataset can":"0O"});
